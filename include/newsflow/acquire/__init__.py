"""Getting raw pages: the source registry, discovery, HTTP, archives and WARCs."""
