"""Google Sheets sync for xl-crm (client, reader/writer, sync engine, emulator).

Needs the ``sheets`` extra: ``pip install 'xl-crm[sheets]'``.  Not built yet.
"""
