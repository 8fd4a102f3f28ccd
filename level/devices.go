package level

import (
	"context"
	"iter"
)

// DevicesService reads devices (GET /devices, GET /devices/{id}).
type DevicesService service

// DeviceIncludes asks for a device's nested objects; each costs Level
// work, so ask only for what you use.
type DeviceIncludes struct {
	OperatingSystem   bool `url:"include_operating_system,omitempty"`
	CPUs              bool `url:"include_cpus,omitempty"`
	Memory            bool `url:"include_memory,omitempty"`
	Disks             bool `url:"include_disks,omitempty"`
	NetworkInterfaces bool `url:"include_network_interfaces,omitempty"`
	Security          bool `url:"include_security,omitempty"`
}

// DeviceListOptions filters Devices.All. GroupID lists a group's own
// devices; AncestorGroupID those of its whole subtree.
type DeviceListOptions struct {
	GroupID         string `url:"group_id,omitempty"`
	AncestorGroupID string `url:"ancestor_group_id,omitempty"`
	DeviceIncludes
}

func deviceID(d *Device) string { return d.ID }

func (s *DevicesService) list(opts *DeviceListOptions) list[Device] {
	var f any
	if opts != nil {
		f = *opts
	}
	return newList(s.c, "devices", f, deviceID)
}

// All walks every device matching opts (nil: every device).
func (s *DevicesService) All(ctx context.Context, opts *DeviceListOptions) iter.Seq2[Device, error] {
	return s.list(opts).all(ctx)
}

// ListPage reads the page of devices after cursor ("" for the first).
func (s *DevicesService) ListPage(ctx context.Context, opts *DeviceListOptions, cursor string) (*Page[Device], error) {
	return s.list(opts).page(ctx, cursor)
}

// Get reads one device with the nested objects inc asks for (nil: none).
func (s *DevicesService) Get(ctx context.Context, id string, inc *DeviceIncludes) (*Device, error) {
	var q any
	if inc != nil {
		q = *inc
	}
	var d Device
	if err := s.c.get(ctx, "devices/"+esc(id), q, &d); err != nil {
		return nil, err
	}
	return &d, nil
}
