"""Moving running instances of an older published version of a definition to a newer one
(issue 23, item 4; regulations §2.1.2: IT adjusts the processes to changes).

``mapping`` proposes which old node and field becomes which new one; ``plan`` says, per
instance, where it will stand, which data it loses or takes a default for, or why it is
refused; ``commands`` migrates instances one transaction each (and back, while nothing has
happened on them since), writing the move into each instance's audit chain; ``views`` and
``cli`` give IT the preview (a dry run) and the run.
"""
