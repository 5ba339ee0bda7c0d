# WaterCodeFlow example: objects and aliasing. Two names for one list: a change through one shows in both.
# Set a breakpoint on the last print, press F5, then "Go to Step..." or Reverse Step Out to see how it got there.


class Item:
    def __init__(self, name, count):
        self.name = name
        self.count = count

    def take(self, n):
        if n > self.count:
            raise ValueError(f"only {self.count} {self.name} left")
        self.count -= n  # @take
        return n


def restock(items, name, n):
    for item in items:
        if item.name == name:
            item.count += n
            return item
    item = Item(name, n)
    items.append(item)
    return item


def main():
    shelf = [Item("apples", 5), Item("pears", 2)]
    alias = shelf  # same list object as shelf
    restock(alias, "plums", 4)
    shelf[0].take(3)
    try:
        shelf[1].take(5)
    except ValueError as err:
        problem = str(err)
    print(problem)
    print([(i.name, i.count) for i in shelf])  # @end


if __name__ == "__main__":
    main()
