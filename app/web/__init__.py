"""Server-rendered pages: the public site for citizens and the staff site."""
