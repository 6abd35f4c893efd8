"""The screens of the yearly survey. Only URLconfs import these modules."""
