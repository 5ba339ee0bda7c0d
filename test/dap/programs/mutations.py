# DAP fixture: a dict item, a list item and a 150-item list changed in a callee and then at module level, for
# data breakpoints on container items (they follow the object across frames) and the maxItems cut marker.
# Tests refer to lines only through the "# @name" markers; keep markers unique.


def update(inventory, counts):
    inventory["apples"] = inventory["apples"] - 2  # @take_apples
    counts[1] = counts[1] + 10  # @bump_count
    inventory["pears"] = 4  # @add_pears
    return inventory  # @update_return


stock = {"apples": 5}  # @stock
tallies = [1, 2, 3]  # @tallies
update(stock, tallies)  # @call_update
stock["apples"] = 0  # @empty_apples
tallies[1] = -1  # @reset_count
big = list(range(150))  # @big
print("stock", stock, "tallies", tallies, "big", len(big))  # @print_state
