package org.dmasim.dma.core;

/**
 * The S3 observations on Linux 6.12: the real kernel's slot numbers, cursor values, failures and
 * scatter-gather results were identical to 6.1's (the 6.12 oracle's README says so), so the same
 * lines must come out. Nothing S3 maps is small enough for 6.12's kmalloc bounce rule.
 */
class SwiotlbOracleS3On612Test extends SwiotlbOracleS3Test {
    @Override
    String kernel() {
        return "6.12";
    }
}
