# Calls user code in another file and standard-library code.
import json

import helper_module

word = helper_module.shout("hi")
text = json.dumps({"word": word})
