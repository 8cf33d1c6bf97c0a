"""The screening of an order: the rule catalogue (every error and finding with its code and
source), dose and directions, concurrent medications and their vocabulary, conditions and
allergies, immediate release, lactose, names that mix scripts, and the plain words people
read for each."""
