# Does not compile: the recorder must print the SyntaxError exactly like plain python and record no step.
x = 1
def broken(:
    pass
