# numpy arrays: a small one (elements as children) mutated in place, a large one (display and size only).
import numpy as np

small = np.arange(4, dtype=np.float64)
small[1] = 7.5  # @mutate
large = np.zeros((30, 40), dtype=np.int32)
scalar = small.sum()
done = True  # @end
