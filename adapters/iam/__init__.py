"""IAM through botocore (``rotate``)."""
