import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "./dispatch";

export const cenBandwidthPackageRenewal: ResourceValidationPolicy = {
    name: "cen-bandwidth-package-renewal",
    description: "A prepaid CEN bandwidth package without auto-renew expires and cuts the cross-border link.",
    enforcementLevel: "advisory",
    severity: "high",
    validateResource: forTypes({}, {
        "alicloud:cen/bandwidthPackage:BandwidthPackage": (p, report) => {
            // The provider's default payment type is PrePaid.
            const prepaid = (p.paymentType ?? "PrePaid") === "PrePaid";
            if (prepaid && p.autoRenew !== true) {
                report("the package is PrePaid without autoRenew: when it expires the link drops to 1 Kbit/s and it cannot be " +
                    "deleted before then; set autoRenew: true, or use a peer attachment with bandwidthType DataTransfer.");
            }
        },
    }),
};
