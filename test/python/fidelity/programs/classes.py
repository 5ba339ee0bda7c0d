# Fidelity program: instances with attributes, methods mutating self, attributes added and deleted later.
class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def move(self, dx):
        self.x += dx
        return self


class Path:
    def __init__(self):
        self.points = []
        self.name = "path"

    def add(self, point):
        self.points.append(point)


start = Point(1, 2)
route = Path()
route.add(start)
route.add(Point(5, 6))
start.move(10)
route.label = "late attribute"
del route.name
moved = route.points[1].move(-1)
