"""The browser designer: IT builds a definition's form and node chain without writing JSON
(regulations §2.1.2, §3.1).

The page edits the draft document client-side (``static/form_builder/designer/*.js``, plain
ES modules, no build step) and talks to the JSON endpoints in :mod:`.api`, which run the real
``save_draft``, submission and publish-time validator; previews use the real renderer
(:mod:`.preview`). Only users who may design definitions reach any of it (:mod:`.access`).
"""
