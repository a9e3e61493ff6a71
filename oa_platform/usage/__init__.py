"""IT's view of how the OA system is used (regulations §2.1.1: IT inspects, guides and assesses
how the system is used): activity, throughput, handling times, overtime, actions other than
agree, agents and idle accounts, per period and unit, with charts and CSV/XLSX exports; closed
days are read from a daily rollup (``rollup``), today from the tasks (``facts``)."""
