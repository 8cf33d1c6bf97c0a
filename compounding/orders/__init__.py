"""What an order and a plan are: the API's models, the field types of its input boundary
(quantities, dates, free text, lot numbers, look-alike characters), the identifiers a pharmacy
system sends, and reading an order from JSON or a mapping into named errors or a valid
order."""
