# Deep but legal: recursion to 900 frames and a 3000-node linked list walked node by node. The recorder must
# neither raise RecursionError into the program nor give up recording.
class Node:
    def __init__(self, nxt):
        self.next = nxt
head = None
for i in range(3000):
    head = Node(head)
node = head
while node is not None:
    node = node.next
def down(n, payload):
    if n == 0:
        return payload
    return down(n - 1, payload)
print(down(900, [[[[[1]]]]]))
print(type(head).__name__)
