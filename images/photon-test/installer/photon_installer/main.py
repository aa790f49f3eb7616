# photon-test stand-in: photon-installer's entry point; only the ISO
# path (-i iso) is imitated.
import sys
from argparse import ArgumentParser

import photon_installer  # noqa: F401  (sets up the bare-name imports)


def main():
    parser = ArgumentParser()
    parser.add_argument("-i", "--image-type", dest="image_type")
    parser.add_argument("-c", "--install-config", dest="install_config_file")
    parser.add_argument("-u", "--ui-config", dest="ui_config_file")
    parser.add_argument("-r", "--repo-paths", dest="repo_paths")
    parser.add_argument("-o", "--options-file", dest="options_file")
    parser.add_argument("-e", "--eula-file", dest="eula_file_path")
    parser.add_argument("-t", "--license-title", dest="license_display_title")
    parser.add_argument("-v", "--photon-release-version", dest="photon_release_version")
    options = parser.parse_args()
    if options.image_type != "iso":
        sys.exit("photon-test imitates the ISO installer only (-i iso)")
    from isoInstaller import IsoInstaller
    IsoInstaller(options)


if __name__ == "__main__":
    main()
