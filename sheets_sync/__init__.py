"""Google Sheets for xl-crm: the local Sheets API emulator (``sheets_sync.emulator``) now;
the client, the sheet reader/writer and the sync engine next.

Needs the ``sheets`` extra: ``pip install 'xl-crm[sheets]'``.
"""
