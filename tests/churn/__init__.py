"""Tests of analytics_kit.churn."""
