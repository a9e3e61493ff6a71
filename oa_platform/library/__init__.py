"""The shared file library (资料库, seed 2 §7.1): the office publishes the company's practical
files for everyone to learn from, in folders by company and department, each folder shown to
its audience (everyone, companies, departments, roles). A file keeps every version; an
invalid or confidential file is withdrawn with a reason, recorded in the file's trail;
downloads are counted; files are found by name and by the text of their PDF and Office
content, Chinese two-character words included (search.py, reusing the runtime's word terms).
"""
