# Fidelity program: immutable scalars of every recorded type, rebinding and augmented assignment.
count = 0
ratio = 0.1 + 0.2
name = "wcf"
raw = b"\x00\xffbytes"
flag = True
nothing = None
wave = 3 - 4j
for i in range(3):
    count += i
    ratio *= 2.5
    name = name + str(i)
flag = not flag
big = 7 ** 60
long_text = "abc" * 90
quote = 'it\'s "quoted"\n'
print(count, name, flag)
del nothing
