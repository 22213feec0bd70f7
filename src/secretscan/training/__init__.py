"""secretscan.training"""
