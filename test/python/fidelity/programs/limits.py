# Fidelity program: values past the default limits of `deep` mode (repr 200 chars, 100 items, depth 4) and a
# list that contains itself; the test normalises them with the documented cut markers.
deep = [[[[[["bottom"]]]]]]
wide = list(range(150))
text = "x" * 500
loop = [1]
loop.append(loop)
mapping = {i: str(i) for i in range(120)}
deep[0][0][0][0][0].append("changed below the depth limit")
