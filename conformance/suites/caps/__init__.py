"""The viewer's inventory capabilities: FetchInventoryDescendents2, FetchInventory2,
FetchLibDescendents2, FetchLib2 (seeds/sl-inventory-api-caps.txt)."""
