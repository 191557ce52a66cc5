"""The benchmark exchange between cities: the shared service types (types), a city's
monthly document (export), its signature (signing), peers and imports (exchange), and
this city's figures beside its peers' (comparison). No central server: cities exchange
signed files."""
