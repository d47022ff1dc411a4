# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # What every module of the collection documents alike: who maintains it, and that
    # it fully supports check mode and diff mode. Each module still describes both
    # attributes (what its check mode reports and what its diff shows), and its own
    # keys win over these (ansible.utils.plugin_docs.merge_fragment), so a module that
    # has nothing to compare says `support: none`. The module names both attributes
    # itself because keys a fragment adds come after the module's own in
    # `ansible-doc`'s listing.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - dataeng.platform maintainers (@dataeng)
"""
