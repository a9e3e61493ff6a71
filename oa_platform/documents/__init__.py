"""Official documents (公文, seed 2 §3.1, §4.1-§4.6, §6.3): kinds, uniform numbering, signatures,
distribution by scope, receipts and urging, the red header, printing, clerks, incoming documents
and the library. The issuing chain is an ordinary published definition (examples/definitions/
document_issue.json); what is special to documents is its node types (``document_review``,
``document_number``, ``distribute``), the tables here and the pages.
"""
