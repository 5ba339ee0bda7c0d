# Imported twice by same_named_types.py (the second time after leaving sys.modules): two Helper classes.
class Helper:
    def __init__(self):
        self.loaded = True
