"""XInventory (POST /xinventory): the wiki documents GETROOTFOLDER
(seeds/opensim-xinventory-service.txt); the other twenty methods follow
docs/interop/xinventory.md."""
