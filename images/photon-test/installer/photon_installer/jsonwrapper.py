# photon-test stand-in: reads a JSON file (as upstream's JsonWrapper).
import json


class JsonWrapper:
    def __init__(self, filename):
        self.filename = filename

    def read(self):
        with open(self.filename) as f:
            return json.load(f)
