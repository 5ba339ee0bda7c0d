# Imported by just_my_code_prog.py: a user module next to the program, so it is "my code".
def shout(text):
    loud = text.upper()
    return loud
