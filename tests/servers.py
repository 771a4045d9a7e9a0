"""The tests' HTTP server is the one plugin authors get: ``listwatch.testing.server``."""

from listwatch.testing.server import HTTPServer, Request, Route

__all__ = ["HTTPServer", "Request", "Route"]
