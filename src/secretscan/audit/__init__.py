"""`secretscan audit`: a person walks the findings one at a time and marks each real or a false positive.

session.py picks what to show (pure), card.py draws one finding (masked), terminal.py reads the keys and stores
each answer in the baseline as it is given, cli.py is the click command.
"""
