"""The package parts the in-place writers edit, one module each, over one XML text helper.

Modelled on XlsxWriter's ``contenttypes.py``, ``comments.py`` and ``vml.py`` over
``xmlwriter.py``; unlike XlsxWriter, which writes parts from nothing, these edit a user's
parts as text, so everything they do not touch stays exactly as it was (whatever namespace
prefixes the producer used).

- :mod:`.xmltext`: the helper (prefixes, ``count`` attributes, inserting before an end tag);
- :mod:`.contenttypes`: ``[Content_Types].xml``;
- :mod:`.rels`: relationship parts (``_rels/*.rels``);
- :mod:`.comments`: a sheet's notes (``xl/commentsN.xml``);
- :mod:`.vml`: the notes' shapes (``xl/drawings/vmlDrawingN.vml``);
- :mod:`.tables`: Excel Tables (``xl/tables/tableN.xml``);
- :mod:`.workbook`: ``xl/workbook.xml`` (sheets, defined names, ``calcPr``) and ``calcChain``;
- :mod:`.styles`: ``xl/styles.xml`` (the one editor of ``cellXfs``).
"""
