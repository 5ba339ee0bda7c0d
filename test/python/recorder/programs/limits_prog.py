# Values past maxRepr / maxItems / maxDepth.
long_text = "x" * 500
many = list(range(150))
nested = [[[[1]]]]
wide = {i: i for i in range(120)}
big_int = 7 ** 20000
done = True  # @end
