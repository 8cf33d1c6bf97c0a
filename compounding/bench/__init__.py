"""After the worksheet is printed: the bench results and the steps a batch goes through
(verification, scrap), reconciliation of what was made against the plan, the executed record,
lot numbers for a batch, and what a patient label says and when it may be printed."""
