"""Every model of the contributions app (declarations: h11a; payments: h11b)."""

from contributions.models.declarations import (  # noqa: F401
    AMOUNT_COLUMNS,
    EMPLOYER_COLUMNS,
    INDIVIDUAL_COLUMNS,
    PARTS,
    AllocationOrder,
    Charge,
    ChargeKind,
    Clamp,
    ContributionEvent,
    ContributionLine,
    Declaration,
    DeclarationKind,
    DeclarationSource,
    RegionContributionSettings,
    SelfPaidMonth,
)
from contributions.models.payments import (  # noqa: F401
    Allocation,
    Determination,
    DeterminationState,
    DeterminedMonth,
    EmployerArrears,
    OpenCharge,
    OpenPayment,
    Payment,
    PaymentChannel,
    PaymentDocumentKind,
    PaymentReversal,
)
