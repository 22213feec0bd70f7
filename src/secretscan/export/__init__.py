"""secretscan.export"""
