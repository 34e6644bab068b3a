"""MongoDB repositories (pymongo over the wire: MongoDB 7 or the nx-27017 server)."""
