"""XInventory (POST /xinventory): the wiki documents GETROOTFOLDER
(seeds/opensim-xinventory-service.txt); the other twenty methods follow
protocol-digest.md section B."""
