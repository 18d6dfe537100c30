/** The plain QEMU command line the VM benchmarks boot their baseline on: TCG, 2 vCPUs, SSH forwarded. */
export function tcgVmArgs(vm: {memoryMiB: number; disk: string; seed: string; sshPort: number; serial: string; monitor: 'stdio' | 'none'}): string[] {
	return [
		'-machine',
		'q35',
		'-accel',
		'tcg',
		'-smp',
		'2',
		'-m',
		String(vm.memoryMiB),
		'-drive',
		`if=virtio,file=${vm.disk},format=qcow2`,
		'-drive',
		`if=virtio,file=${vm.seed},format=raw,readonly=on`,
		'-netdev',
		`user,id=n,hostfwd=tcp:127.0.0.1:${vm.sshPort}-:22`,
		'-device',
		'virtio-net-pci,netdev=n',
		'-display',
		'none',
		'-serial',
		`file:${vm.serial}`,
		'-monitor',
		vm.monitor,
	];
}
