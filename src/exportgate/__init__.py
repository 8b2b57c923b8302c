"""exportgate: vets exports of AI technology under the US Export Administration Regulations.

Core flow: dated rule data and restricted-party lists are loaded once, then pure functions turn a
case (an item, a party, a transaction, a full-stack package) into a decision with reasons and
citations. Storage and interfaces (CLI, reports) wrap that core and hold no rules of their own.
"""

__version__ = "0.1.0"
