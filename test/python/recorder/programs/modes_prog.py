# For --mode lite/balanced/deep: arguments, return values, watch(), nested values.
import watercodeflow


def combine(a, b):
    local = [a, b]
    return {"sum": a + b, "parts": local}


nested = [[1, [2, [3, [4, [5]]]]]]
out = combine(2, 3)
watercodeflow.watch(out["sum"] * 10, name="scaled")
done = True  # @end
