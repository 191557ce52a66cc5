"""Open311 GeoReport v2 (/open311/v2): service types, service requests and their updates."""
