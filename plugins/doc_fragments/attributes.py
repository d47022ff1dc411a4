# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # What every module of the collection documents alike: who maintains it, and that it
    # fully supports check mode and diff mode. Each module describes both attributes itself
    # (what its check mode reports, what its diff shows); its keys win over these
    # (ansible.utils.plugin_docs.merge_fragment), so a module with nothing to compare says
    # `support: none`. The descriptions stay in the module even where they read alike:
    # an attribute only a fragment names is listed after the module's own by ansible-doc,
    # which would put diff_mode before check_mode.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - dataeng.platform maintainers (@dataeng)
"""
