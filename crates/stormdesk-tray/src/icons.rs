//! The tray's icons, decoded once from the app's PNGs into the ARGB32
//! pixmaps a StatusNotifierItem carries.

use stormdesk_desk::tray_look::TrayIcon;

fn png(which: TrayIcon) -> &'static [u8] {
    match which {
        TrayIcon::Live => include_bytes!("../../../icons/32x32.png"),
        TrayIcon::Connecting => include_bytes!("../../../icons/tray-connecting.png"),
        TrayIcon::Error => include_bytes!("../../../icons/tray-error.png"),
        TrayIcon::Paused => include_bytes!("../../../icons/tray-paused.png"),
    }
}

/// The icon as ARGB32 in network byte order; `None` if it cannot be read.
pub fn pixmap(which: TrayIcon) -> Option<ksni::Icon> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png(which)));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    let pixels = &buf[..info.buffer_size()];
    let data = match info.color_type {
        png::ColorType::Rgba => pixels
            .chunks_exact(4)
            .flat_map(|p| [p[3], p[0], p[1], p[2]])
            .collect(),
        png::ColorType::Rgb => pixels
            .chunks_exact(3)
            .flat_map(|p| [255, p[0], p[1], p[2]])
            .collect(),
        _ => return None,
    };
    Some(ksni::Icon {
        width: info.width as i32,
        height: info.height as i32,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_icon_decodes_to_a_whole_argb_pixmap() {
        for which in [
            TrayIcon::Live,
            TrayIcon::Connecting,
            TrayIcon::Error,
            TrayIcon::Paused,
        ] {
            let icon = pixmap(which).unwrap();
            assert!(icon.width >= 16 && icon.height >= 16);
            assert_eq!(icon.data.len(), (icon.width * icon.height * 4) as usize);
            // Not blank: some pixel is opaque.
            assert!(icon.data.chunks_exact(4).any(|p| p[0] == 255));
        }
    }
}
