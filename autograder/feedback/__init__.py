"""Trusted side: the pictures and notebook texts that come back from the sandbox as plain float
arrays (``figure.*``, ``export.*``), validated and bounded, encoded as PNG by our own writer, and
pictures made here (the |expected - got| heat map). No untrusted image bytes are ever parsed.
"""
