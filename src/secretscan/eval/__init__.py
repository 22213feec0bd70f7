"""secretscan.eval"""
