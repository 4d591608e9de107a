"""Inventory API v3 (AIS3): the InventoryAPIv3 and LibraryAPIv3 capabilities
(seeds/sl-inventory-api-v3-ais.txt; what viewers depend on beyond it: docs/interop/ais.md)."""
