"""secretscan.hooks"""
