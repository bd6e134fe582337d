/**
 * Simulated devices that do DMA, and their drivers, as tests, scripts and other bundles use them.
 *
 * <p>A {@link org.dmasim.devices.api.BusMaster} is a device's DMA engine: it reads and writes at
 * bus addresses ({@code dma_addr_t}), which the platform's DMA API translates
 * ({@code DmaApi.deviceAccess}: dma-ranges offsets, later IOMMUs), through the device's memory
 * port (snooping the CPU cache or not). It has the hardware's own limits
 * ({@link org.dmasim.devices.api.BusLimits}): an address width, a longest segment and a segment
 * boundary its descriptors must respect, whatever the driver told the DMA API.
 *
 * <p>Two devices ship, each with a driver written against the DMA API as a Linux driver is: a
 * ring-based network device ({@link org.dmasim.devices.api.NetDriver}) and a scatter-gather block
 * device ({@link org.dmasim.devices.api.BlockHw}, {@link org.dmasim.devices.api.BlockDriver}).
 * {@link org.dmasim.devices.api.DeviceModels} (a service) binds them to a platform's devices.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.dmasim.devices.api;
