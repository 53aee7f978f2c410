"""``python -m xl_crm`` runs the command line."""

from xl_crm.cli.app import main

main()
